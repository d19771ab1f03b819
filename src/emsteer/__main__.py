from emsteer.cli import main

main()
