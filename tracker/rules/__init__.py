"""The law as code: pure Python, no Flask, no database. Every caller in the product uses these modules."""
