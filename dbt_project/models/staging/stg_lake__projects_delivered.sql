-- Every valid projects row of the current files (all versions), with its file name and row number.
{{ delivered_rows('projects', lake_columns('projects')) }}
