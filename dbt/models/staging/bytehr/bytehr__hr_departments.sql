{#- ByteHR departments as hr_departments rows: a parent and a cost centre, no head. -#}
select
    {{ hr_key('bytehr', 'department_id') }} as department_key,
    cast('bytehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(department_id as {{ hr_text() }}) as source_id,
    name,
    case when parent_id is not null then {{ hr_key('bytehr', 'parent_id') }} end as parent_department_key,
    cast(null as {{ hr_text() }}) as head_person_key,
    cost_center,
    updated_at as source_updated_at
from {{ ref('stg_bytehr__departments') }}
