"""The year-end report: registers that feed table 二, derivation in SQL, rendering, freezing."""
