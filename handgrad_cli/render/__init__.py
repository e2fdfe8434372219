"""Pure functions from problems, solutions and grades to Rich renderables or text. Nothing here prints."""
