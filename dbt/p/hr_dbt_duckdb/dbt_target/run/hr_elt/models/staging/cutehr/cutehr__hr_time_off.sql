
  
  create view "w"."hr_unified_staging"."cutehr__hr_time_off__dbt_tmp" as (
    select
    'cutehr:' || cast(leave_id as TEXT) as time_off_key,
    cast('cutehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(leave_id as TEXT) as source_id,
    'cutehr:' || cast(employee_id as TEXT) as person_key,
    case
    when replace(replace(lower(trim(leave_type)), '-', '_'), ' ', '_') in ('annual', 'vacation', 'holiday', 'pto', 'paid_time_off', 'annual_leave') then 'annual'
    when replace(replace(lower(trim(leave_type)), '-', '_'), ' ', '_') in ('sick', 'sickness', 'sick_leave', 'illness') then 'sick'
    when replace(replace(lower(trim(leave_type)), '-', '_'), ' ', '_') in ('parental', 'maternity', 'paternity', 'parental_leave') then 'parental'
    when replace(replace(lower(trim(leave_type)), '-', '_'), ' ', '_') in ('unpaid', 'unpaid_leave') then 'unpaid'
    when replace(replace(lower(trim(leave_type)), '-', '_'), ' ', '_') in ('bereavement', 'compassionate') then 'bereavement'
    else 'other'
  end as leave_type,
    leave_type as source_leave_type,
    case
    when lower(trim(status)) in ('pending', 'submitted', 'open') then 'pending'
    when lower(trim(status)) in ('approved', 'accepted', 'taken') then 'approved'
    when lower(trim(status)) in ('rejected', 'denied') then 'rejected'
    when lower(trim(status)) in ('cancelled', 'canceled', 'withdrawn') then 'cancelled'
    else lower(trim(status))
  end as status,
    status as source_status,
    from_date as start_date,
    to_date as end_date,
    days,
    applied_at as requested_at,
    modified_at as source_updated_at,
    _dlt_load_id
from "w"."hr_unified_staging"."stg_cutehr__leaves"
  );
