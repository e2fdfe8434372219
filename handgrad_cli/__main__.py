from handgrad_cli.cli import main

main()
