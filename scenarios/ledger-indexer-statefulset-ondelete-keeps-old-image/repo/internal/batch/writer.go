package batch

// Writer commits ledger entries in batches of 500.
