{#- One row per department of every loaded vendor. HollyHR has no department entity: its
    departments are the distinct department names on people, employments and employment history. -#}
{% set vendors = var('hr_vendors') %}
{% set branches = [] %}

with
{% if 'hollyhr' in vendors %}
{% do branches.append('hollyhr') %}
hollyhr_names as (
    select department from {{ ref('stg_hollyhr__people') }}
    union
    select department from {{ ref('stg_hollyhr__employments') }}
    union
    select department from {{ ref('stg_hollyhr__employment_history') }}
),
hollyhr as (
    select
        {{ hr_key('hollyhr', 'department') }} as department_key,
        'hollyhr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(department as {{ hr_text() }}) as source_id,
        cast(department as {{ hr_text() }}) as name,
        cast(null as {{ hr_text() }}) as parent_department_key,
        cast(null as {{ hr_text() }}) as head_person_key,
        cast(null as {{ hr_text() }}) as cost_center,
        cast(null as {{ hr_timestamp() }}) as source_updated_at
    from hollyhr_names
    where department is not null
),
{% endif %}
{% if 'bytehr' in vendors %}
{% do branches.append('bytehr') %}
bytehr as (
    select
        {{ hr_key('bytehr', 'department_id') }} as department_key,
        'bytehr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(department_id as {{ hr_text() }}) as source_id,
        name,
        case when parent_id is not null then {{ hr_key('bytehr', 'parent_id') }} end as parent_department_key,
        cast(null as {{ hr_text() }}) as head_person_key,
        cost_center,
        updated_at as source_updated_at
    from {{ ref('stg_bytehr__departments') }}
),
{% endif %}
{% if 'cutehr' in vendors %}
{% do branches.append('cutehr') %}
cutehr as (
    select
        {{ hr_key('cutehr', 'department_id') }} as department_key,
        'cutehr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(department_id as {{ hr_text() }}) as source_id,
        name,
        cast(null as {{ hr_text() }}) as parent_department_key,
        case when head_id is not null then {{ hr_key('cutehr', 'head_id') }} end as head_person_key,
        cast(null as {{ hr_text() }}) as cost_center,
        cast(null as {{ hr_timestamp() }}) as source_updated_at
    from {{ ref('stg_cutehr__departments') }}
),
{% endif %}
unioned as (
    {% for branch in branches %}
    select * from {{ branch }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unioned
