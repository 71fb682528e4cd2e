from hub.web.app import main

if __name__ == "__main__":
    main()
