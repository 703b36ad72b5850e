
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        field_type as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_custom_fields"
    group by field_type

)

select *
from all_values
where value_field not in (
    'text','number','date','boolean','dropdown','multi_select'
)



  
  
      
    ) dbt_internal_test