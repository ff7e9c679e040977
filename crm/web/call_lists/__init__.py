"""Call lists for the market-expansion supervisor: build by filters, preview, give, close."""
