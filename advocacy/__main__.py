from advocacy.cli import main

raise SystemExit(main())
