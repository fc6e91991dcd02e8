"""The transparency figures: running totals per local authority and month, and what is published from them."""
