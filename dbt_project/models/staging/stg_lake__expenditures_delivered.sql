-- Every valid expenditures row of the current files (all versions), with its file name and row number.
{{ delivered_rows('expenditures', lake_columns('expenditures')) }}
