"""Writes compiler/tests/data/sheet.xlsx, the spreadsheet the `formats`
tests read (synthetic rows, this project's licence), and, given a second
path, compiler/tests/data/notes_first.xlsx, a workbook whose first sheet is
a note and whose table is on its second. Needs openpyxl:

    python3 scripts/sheet_fixture.py compiler/tests/data/sheet.xlsx \
        compiler/tests/data/notes_first.xlsx
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

if len(sys.argv) > 2:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "notes"
    notes.append(["About this workbook"])
    notes.append(["The table is on the sheet `data`."])
    data = book.create_sheet("data")
    data.append(["x", "y"])
    for i in range(20):
        data.append([i, "a" if i < 10 else "b"])
    book.save(sys.argv[2])
