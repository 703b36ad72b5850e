{#- One row per time-off / leave request of every loaded vendor, with normalised type and status. -#}
{% set vendors = var('hr_vendors') %}
{% set branches = [] %}

with
{% if 'hollyhr' in vendors %}
{% do branches.append('hollyhr') %}
hollyhr as (
    select
        {{ hr_key('hollyhr', 'time_off_id') }} as time_off_key,
        'hollyhr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(time_off_id as {{ hr_text() }}) as source_id,
        {{ hr_key('hollyhr', 'person_id') }} as person_key,
        {{ hr_leave_type('policy') }} as leave_type,
        policy as source_leave_type,
        {{ hr_time_off_status('status') }} as status,
        status as source_status,
        start_date,
        end_date,
        duration_days as days,
        cast(null as {{ hr_timestamp() }}) as requested_at,
        updated_at as source_updated_at,
        _dlt_load_id
    from {{ ref('stg_hollyhr__time_off') }}
),
{% endif %}
{% if 'bytehr' in vendors %}
{% do branches.append('bytehr') %}
bytehr as (
    select
        {{ hr_key('bytehr', 'leave_request_id') }} as time_off_key,
        'bytehr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(leave_request_id as {{ hr_text() }}) as source_id,
        {{ hr_key('bytehr', 'employee_id') }} as person_key,
        {{ hr_leave_type('leave_type') }} as leave_type,
        leave_type as source_leave_type,
        {{ hr_time_off_status('status') }} as status,
        status as source_status,
        start_date,
        end_date,
        days,
        cast(null as {{ hr_timestamp() }}) as requested_at,
        updated_at as source_updated_at,
        _dlt_load_id
    from {{ ref('stg_bytehr__leave_requests') }}
),
{% endif %}
{% if 'cutehr' in vendors %}
{% do branches.append('cutehr') %}
cutehr as (
    select
        {{ hr_key('cutehr', 'leave_id') }} as time_off_key,
        'cutehr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(leave_id as {{ hr_text() }}) as source_id,
        {{ hr_key('cutehr', 'employee_id') }} as person_key,
        {{ hr_leave_type('leave_type') }} as leave_type,
        leave_type as source_leave_type,
        {{ hr_time_off_status('status') }} as status,
        status as source_status,
        from_date as start_date,
        to_date as end_date,
        days,
        applied_at as requested_at,
        modified_at as source_updated_at,
        _dlt_load_id
    from {{ ref('stg_cutehr__leaves') }}
),
{% endif %}
unioned as (
    {% for branch in branches %}
    select * from {{ branch }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unioned
