"""Print control: start and reprint (control.py) and the print queue (queue.py)."""
