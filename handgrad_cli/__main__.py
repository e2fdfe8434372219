from handgrad_cli.launch import main

main()
