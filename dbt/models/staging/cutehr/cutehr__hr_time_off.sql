{#- CuteHR leaves as hr_time_off rows: from_date/to_date, applied_at as requested_at. -#}
select
    {{ hr_key('cutehr', 'leave_id') }} as time_off_key,
    cast('cutehr' as {{ hr_text() }}) as provider,
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
