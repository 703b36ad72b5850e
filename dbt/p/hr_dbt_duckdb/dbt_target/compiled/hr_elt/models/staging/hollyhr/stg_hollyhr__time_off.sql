

select
    cast("id" as TEXT) as "time_off_id",
    cast("person_id" as TEXT) as "person_id",
    cast("policy" as TEXT) as "policy",
    cast("start_date" as date) as "start_date",
    cast("end_date" as date) as "end_date",
    cast("duration_days" as double precision) as "duration_days",
    cast("status" as TEXT) as "status",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."hollyhr"."time_off"
where 1 = 1