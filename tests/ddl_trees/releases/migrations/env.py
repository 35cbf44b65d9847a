# the checker runs each revision itself; this tree needs no env.py logic
