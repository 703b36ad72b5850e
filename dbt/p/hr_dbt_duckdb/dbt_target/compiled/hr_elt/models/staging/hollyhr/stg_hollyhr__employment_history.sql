

select
    cast("id" as TEXT) as "employment_history_id",
    cast("person_id" as TEXT) as "person_id",
    cast("job_title" as TEXT) as "job_title",
    cast("department" as TEXT) as "department",
    cast("start_date" as date) as "start_date",
    cast("end_date" as date) as "end_date",
    cast("created_at" as timestamp with time zone) as "created_at",
    _dlt_load_id
from "w"."hollyhr"."employment_history"
where 1 = 1