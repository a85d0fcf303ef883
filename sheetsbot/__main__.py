from sheetsbot.cli import main

raise SystemExit(main())
