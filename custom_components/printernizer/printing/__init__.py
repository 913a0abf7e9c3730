"""Print control: upload, start, reprint (control.py, actions.py) and the print queue, which
waits for a clear plate (queue.py)."""
