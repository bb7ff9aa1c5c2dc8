DROP TABLE receipt_prints;
