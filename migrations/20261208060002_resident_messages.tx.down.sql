DROP TABLE resident_messages;
