{#- CuteHR departments as hr_departments rows: a head, no parent, no cost centre, no timestamp. -#}
select
    {{ hr_key('cutehr', 'department_id') }} as department_key,
    cast('cutehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(department_id as {{ hr_text() }}) as source_id,
    name,
    cast(null as {{ hr_text() }}) as parent_department_key,
    case when head_id is not null then {{ hr_key('cutehr', 'head_id') }} end as head_person_key,
    cast(null as {{ hr_text() }}) as cost_center,
    cast(null as {{ hr_timestamp() }}) as source_updated_at
from {{ ref('stg_cutehr__departments') }}
