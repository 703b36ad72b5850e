

select
    cast("person_id" as TEXT) as "person_id",
    cast("job_title" as TEXT) as "job_title",
    cast("department" as TEXT) as "department",
    cast("start_date" as date) as "start_date",
    cast("employment_type" as TEXT) as "employment_type",
    cast("weekly_hours" as double precision) as "weekly_hours",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."hollyhr"."employments"
where 1 = 1