
    

    create  table
      "w"."hr_unified"."hr_custom_field_history__dbt_tmp"
  
    
    as (
      


    select
        "provider",
        "tenant",
        "employee_id",
        "key",
        "label",
        "value",
        "value_number",
        "value_date",
        "value_boolean",
        "valid_from",
        "valid_to",
        "observed_at",
        "archived"
    from "w"."hr_unified_staging"."bytehr__hr_custom_field_history"
    
    );
    
  