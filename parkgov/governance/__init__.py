"""治理 (governance): findings acted on, lists generated from data, 四个一批 dispositions, and 一地一企一策 cases
tracked to 销号 with every named department signing off. Sits above `ledger` and `evaluation`, below `web`."""
