"""The office's spreadsheets in: org units, cadres (干部库), enterprises (企业库) and 包联.

    columns.py   the four kinds of sheet, their columns (Chinese headers, English aliases)
    rows.py      a parsed sheet (the shell's work: bot/sheets.py) -> typed rows, each row checked alone
    plan.py      the rows checked against each other and the register: every bad row, or the plan
    use.py       the use case: plan, write in one transaction, 包联 moves take their open tickets
    report.py    what the importer hears: every bad row, or what was added, changed, left alone
    chat.py      an admin sends the file to the bot; /import sends the template

No file format here: the shell reads .xlsx/.csv into `RawSheet`s, and storage writes the plan.
"""
