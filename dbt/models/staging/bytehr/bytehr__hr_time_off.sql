{#- ByteHR leave requests as hr_time_off rows. -#}
select
    {{ hr_key('bytehr', 'leave_request_id') }} as time_off_key,
    cast('bytehr' as {{ hr_text() }}) as provider,
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
