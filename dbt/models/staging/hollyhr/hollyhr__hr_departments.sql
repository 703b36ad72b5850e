{#- HollyHR has no department entity: its departments are the distinct department names on
    people, employments and employment history, keyed by name. -#}
with names as (
    select department from {{ ref('stg_hollyhr__people') }}
    union
    select department from {{ ref('stg_hollyhr__employments') }}
    union
    select department from {{ ref('stg_hollyhr__employment_history') }}
)

select
    {{ hr_key('hollyhr', 'department') }} as department_key,
    cast('hollyhr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(department as {{ hr_text() }}) as source_id,
    cast(department as {{ hr_text() }}) as name,
    cast(null as {{ hr_text() }}) as parent_department_key,
    cast(null as {{ hr_text() }}) as head_person_key,
    cast(null as {{ hr_text() }}) as cost_center,
    cast(null as {{ hr_timestamp() }}) as source_updated_at
from names
where department is not null
