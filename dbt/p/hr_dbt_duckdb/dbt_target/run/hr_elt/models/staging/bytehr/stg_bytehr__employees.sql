
  
  create view "w"."hr_unified_staging"."stg_bytehr__employees__dbt_tmp" as (
    



  
  

  
  

  
  

  
  

  
  

  
  

  
  

  
  




  
  
    
    
      
      
      
        
        
      
    
  

select
    cast("id" as bigint) as "employee_id",
    cast("employee_code" as TEXT) as "employee_code",
    cast("first_name" as TEXT) as "first_name",
    cast("last_name" as TEXT) as "last_name",
    cast("email" as TEXT) as "email",
    cast("department_id" as bigint) as "department_id",
    cast("position_id" as bigint) as "position_id",
    cast("manager_id" as bigint) as "manager_id",
    cast("employment_status" as TEXT) as "employment_status",
    cast("employment_type" as TEXT) as "employment_type",
    cast("hire_date" as date) as "hire_date",
    cast("termination_date" as date) as "termination_date",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    employees._dlt_load_id, employees."custom_fields__tshirt_size" as "custom_fields__tshirt_size", employees."custom_fields__badge_number" as "custom_fields__badge_number", employees."custom_fields__remote_eligible" as "custom_fields__remote_eligible", employees."custom_fields__shoe_size" as "custom_fields__shoe_size", employees."custom_fields__groesse" as "custom_fields__groesse", employees."custom_fields__team_name" as "custom_fields__team_name", employees."custom_fields__cf_850d589d" as "custom_fields__cf_850d589d", employees."custom_fields__visa_expiry" as "custom_fields__visa_expiry", (
        select string_agg(cast(item.value as TEXT), ', ' order by item._dlt_list_idx)
        from "w"."bytehr"."employees__custom_fields__certifications" as item
        where item._dlt_parent_id = employees._dlt_id
    ) as "custom_fields__certifications"
from "w"."bytehr"."employees" as employees
where _deleted_at is null
  );
