
  
  create view "w"."hr_unified_staging"."stg_hollyhr__people__dbt_tmp" as (
    

select
    cast("id" as TEXT) as "person_id",
    cast("first_name" as TEXT) as "first_name",
    cast("last_name" as TEXT) as "last_name",
    cast("preferred_name" as TEXT) as "preferred_name",
    cast("work_email" as TEXT) as "work_email",
    cast("job_title" as TEXT) as "job_title",
    cast("department" as TEXT) as "department",
    cast("manager_id" as TEXT) as "manager_id",
    cast("location" as TEXT) as "location",
    cast("employment_type" as TEXT) as "employment_type",
    cast("status" as TEXT) as "status",
    cast("start_date" as date) as "start_date",
    cast("end_date" as date) as "end_date",
    cast("created_at" as timestamp with time zone) as "created_at",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."hollyhr"."people"
where 1 = 1
  );
