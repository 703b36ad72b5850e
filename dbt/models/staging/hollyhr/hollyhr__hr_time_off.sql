{#- HollyHR time-off requests as hr_time_off rows: `policy` is the leave type; `requested` and
    `declined` are HollyHR's words for pending and rejected. -#}
select
    {{ hr_key('hollyhr', 'time_off_id') }} as time_off_key,
    cast('hollyhr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(time_off_id as {{ hr_text() }}) as source_id,
    {{ hr_key('hollyhr', 'person_id') }} as person_key,
    {{ hr_leave_type('policy') }} as leave_type,
    policy as source_leave_type,
    {{ hr_time_off_status('status', {'requested': 'pending', 'declined': 'rejected'}) }} as status,
    status as source_status,
    start_date,
    end_date,
    duration_days as days,
    cast(null as {{ hr_timestamp() }}) as requested_at,
    updated_at as source_updated_at,
    _dlt_load_id
from {{ ref('stg_hollyhr__time_off') }}
