

select
    cast("id" as bigint) as "employee_id",
    cast("emp_code" as TEXT) as "emp_code",
    cast("name" as TEXT) as "name",
    cast("email" as TEXT) as "email",
    cast("phone" as TEXT) as "phone",
    cast("department_id" as bigint) as "department_id",
    cast("designation" as TEXT) as "designation",
    cast("reporting_manager_id" as bigint) as "reporting_manager_id",
    cast("date_of_joining" as date) as "date_of_joining",
    cast("date_of_exit" as date) as "date_of_exit",
    cast("status" as TEXT) as "status",
    cast("modified_at" as timestamp with time zone) as "modified_at",
    _dlt_load_id
from "w"."cutehr"."employees"
where _deleted_at is null