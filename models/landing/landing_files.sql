{#- One row per file of the landing zone, as landing_lines last read it. -#}
{{ config(materialized='view') }}

select
    landing_folder,
    source_file,
    source_file_version,
    file_size,
    modified_at,
    loaded_at,
    content_sha256,
    compression,
    encoding,
    file_quarantine_reason,
    file_ignored_reason,
    line_count
from {{ ref('landing_lines') }}
-- every file has exactly one row numbered 1 (a line) or 0 (no text)
where line_number <= 1
