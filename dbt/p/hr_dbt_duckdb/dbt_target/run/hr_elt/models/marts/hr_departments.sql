
    

    create  table
      "w"."hr_unified"."hr_departments__dbt_tmp"
  
    
    as (
      


    select
        "department_key",
        "provider",
        "tenant",
        "source_id",
        "name",
        "parent_department_key",
        "head_person_key",
        "cost_center",
        "source_updated_at"
    from "w"."hr_unified_staging"."bytehr__hr_departments"
    union all
    select
        "department_key",
        "provider",
        "tenant",
        "source_id",
        "name",
        "parent_department_key",
        "head_person_key",
        "cost_center",
        "source_updated_at"
    from "w"."hr_unified_staging"."cutehr__hr_departments"
    union all
    select
        "department_key",
        "provider",
        "tenant",
        "source_id",
        "name",
        "parent_department_key",
        "head_person_key",
        "cost_center",
        "source_updated_at"
    from "w"."hr_unified_staging"."hollyhr__hr_departments"
    
    );
    
  