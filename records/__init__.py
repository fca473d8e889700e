"""The Piccolo app: tables, migrations and the queries that read and write them."""
