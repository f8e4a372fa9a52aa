"""Writes compiler/tests/data/sheet.xlsx, the spreadsheet the `formats`
tests read (synthetic rows, this project's licence). Needs openpyxl:

    python3 scripts/sheet_fixture.py compiler/tests/data/sheet.xlsx
"""
import datetime
import random
import sys

import openpyxl

random.seed(1)
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "data"
sheet.append(["weight kg", "zone", "express", "sent", "note, free", "y"])
for i in range(120):
    weight = round(random.random() * 10, 2) if i % 17 else None
    zone = random.choice(["north", "south", "east"])
    sent = datetime.date(2024, 1, 1) + datetime.timedelta(days=i)
    note = 'says "hi", twice' if i % 5 == 0 else f"n{i}"
    y = "heavy" if (weight or 0) > 5 else "light"
    sheet.append([weight, zone, i % 2 == 0, sent, note, y])
other = book.create_sheet("other")
other.append(["a", "b"])
other.append([1, 2])
book.save(sys.argv[1])
