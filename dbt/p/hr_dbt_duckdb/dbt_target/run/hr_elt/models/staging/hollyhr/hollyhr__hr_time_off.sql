
  
  create view "w"."hr_unified_staging"."hollyhr__hr_time_off__dbt_tmp" as (
    select
    'hollyhr:' || cast(time_off_id as TEXT) as time_off_key,
    cast('hollyhr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(time_off_id as TEXT) as source_id,
    'hollyhr:' || cast(person_id as TEXT) as person_key,
    case
    when replace(replace(lower(trim(policy)), '-', '_'), ' ', '_') in ('annual', 'vacation', 'holiday', 'pto', 'paid_time_off', 'annual_leave') then 'annual'
    when replace(replace(lower(trim(policy)), '-', '_'), ' ', '_') in ('sick', 'sickness', 'sick_leave', 'illness') then 'sick'
    when replace(replace(lower(trim(policy)), '-', '_'), ' ', '_') in ('parental', 'maternity', 'paternity', 'parental_leave') then 'parental'
    when replace(replace(lower(trim(policy)), '-', '_'), ' ', '_') in ('unpaid', 'unpaid_leave') then 'unpaid'
    when replace(replace(lower(trim(policy)), '-', '_'), ' ', '_') in ('bereavement', 'compassionate') then 'bereavement'
    else 'other'
  end as leave_type,
    policy as source_leave_type,
    case
    when lower(trim(status)) = 'requested' then 'pending'
    when lower(trim(status)) = 'declined' then 'rejected'
    when lower(trim(status)) in ('pending', 'submitted', 'open') then 'pending'
    when lower(trim(status)) in ('approved', 'accepted', 'taken') then 'approved'
    when lower(trim(status)) in ('rejected', 'denied') then 'rejected'
    when lower(trim(status)) in ('cancelled', 'canceled', 'withdrawn') then 'cancelled'
    else lower(trim(status))
  end as status,
    status as source_status,
    start_date,
    end_date,
    duration_days as days,
    cast(null as timestamp with time zone) as requested_at,
    updated_at as source_updated_at,
    _dlt_load_id
from "w"."hr_unified_staging"."stg_hollyhr__time_off"
  );
