from archlint.cli import main

# Guarded: the language server's scan process (multiprocessing "spawn") imports the main module
# again, and must not start a second command line there.
if __name__ == "__main__":
    main()
