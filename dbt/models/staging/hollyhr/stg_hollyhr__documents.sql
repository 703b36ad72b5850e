{% set src = source('hollyhr', 'documents') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_text(), 'document_id') }},
    {{ hr_field(cols, 'person_id', hr_text()) }},
    {{ hr_field(cols, 'title', hr_text()) }},
    {{ hr_field(cols, 'category', hr_text()) }},
    {{ hr_field(cols, 'file_name', hr_text()) }},
    {{ hr_field(cols, 'content_type', hr_text()) }},
    {{ hr_field(cols, 'size_bytes', hr_bigint()) }},
    {{ hr_field(cols, 'uploaded_at', hr_timestamp()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    {{ hr_field(cols, 'deleted_at', hr_timestamp()) }},
    {% if 'deleted_at' in cols %}deleted_at is not null{% else %}false{% endif %} as is_deleted,
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
