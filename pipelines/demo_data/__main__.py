"""`python -m pipelines.demo_data`: the `review-demo-data` command."""

import sys

from pipelines.demo_data.cli import main

sys.exit(main())
