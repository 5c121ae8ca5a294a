from cheeseshop.cli import main

main(prog_name="cheeseshop")
