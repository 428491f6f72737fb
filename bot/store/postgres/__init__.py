"""The PostgreSQL store: for several processes and machines sharing one database."""
