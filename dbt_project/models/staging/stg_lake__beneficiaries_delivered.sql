-- Every valid beneficiaries row of the current files (all versions), with its file name and row number.
{{ delivered_rows('beneficiaries', lake_columns('beneficiaries')) }}
