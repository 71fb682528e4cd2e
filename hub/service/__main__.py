from hub.service.app import main

main()
