

select
    cast("id" as bigint) as "attendance_id",
    cast("employee_id" as bigint) as "employee_id",
    cast("date" as date) as "work_date",
    cast("check_in" as timestamp with time zone) as "check_in",
    cast("check_out" as timestamp with time zone) as "check_out",
    cast("worked_hours" as double precision) as "worked_hours",
    cast("status" as TEXT) as "status",
    _dlt_load_id
from "w"."cutehr"."attendance"
where 1 = 1