"""Print control: upload, start, reprint (and the queue, which waits for a clear plate)."""
