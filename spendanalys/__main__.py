from spendanalys.cli import main

raise SystemExit(main())
