
    

    create  table
      "w"."hr_unified"."hr_employees__dbt_tmp"
  
    
    as (
      

with unioned as (
    
    select
        "person_key",
        "provider",
        "tenant",
        "source_id",
        "employee_code",
        "first_name",
        "last_name",
        "full_name",
        "preferred_name",
        "email",
        "job_title",
        "department_key",
        "department_name",
        "manager_key",
        "location",
        "employment_status",
        "source_status",
        "employment_type",
        "hire_date",
        "termination_date",
        "weekly_hours",
        "source_updated_at",
        "_dlt_load_id",
        "custom_fields__tshirt_size",
        "custom_fields__badge_number",
        "custom_fields__remote_eligible",
        "custom_fields__shoe_size",
        "custom_fields__groesse",
        "custom_fields__team_name",
        "custom_fields__cf_850d589d",
        "custom_fields__visa_expiry",
        "custom_fields__certifications"
    from "w"."hr_unified_staging"."bytehr__hr_employees"
    union all
    select
        "person_key",
        "provider",
        "tenant",
        "source_id",
        "employee_code",
        "first_name",
        "last_name",
        "full_name",
        "preferred_name",
        "email",
        "job_title",
        "department_key",
        "department_name",
        "manager_key",
        "location",
        "employment_status",
        "source_status",
        "employment_type",
        "hire_date",
        "termination_date",
        "weekly_hours",
        "source_updated_at",
        "_dlt_load_id",
        cast(null as character varying(256)) as "custom_fields__tshirt_size",
        cast(null as DOUBLE) as "custom_fields__badge_number",
        cast(null as BOOLEAN) as "custom_fields__remote_eligible",
        cast(null as DOUBLE) as "custom_fields__shoe_size",
        cast(null as DOUBLE) as "custom_fields__groesse",
        cast(null as character varying(256)) as "custom_fields__team_name",
        cast(null as character varying(256)) as "custom_fields__cf_850d589d",
        cast(null as DATE) as "custom_fields__visa_expiry",
        cast(null as character varying(256)) as "custom_fields__certifications"
    from "w"."hr_unified_staging"."cutehr__hr_employees"
    union all
    select
        "person_key",
        "provider",
        "tenant",
        "source_id",
        "employee_code",
        "first_name",
        "last_name",
        "full_name",
        "preferred_name",
        "email",
        "job_title",
        "department_key",
        "department_name",
        "manager_key",
        "location",
        "employment_status",
        "source_status",
        "employment_type",
        "hire_date",
        "termination_date",
        "weekly_hours",
        "source_updated_at",
        "_dlt_load_id",
        cast(null as character varying(256)) as "custom_fields__tshirt_size",
        cast(null as DOUBLE) as "custom_fields__badge_number",
        cast(null as BOOLEAN) as "custom_fields__remote_eligible",
        cast(null as DOUBLE) as "custom_fields__shoe_size",
        cast(null as DOUBLE) as "custom_fields__groesse",
        cast(null as character varying(256)) as "custom_fields__team_name",
        cast(null as character varying(256)) as "custom_fields__cf_850d589d",
        cast(null as DATE) as "custom_fields__visa_expiry",
        cast(null as character varying(256)) as "custom_fields__certifications"
    from "w"."hr_unified_staging"."hollyhr__hr_employees"
    
)

select
    *,
    employment_status in ('active', 'on_leave', 'notice_period') as is_employed
from unioned
    );
    
  