
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        leave_type as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_time_off"
    group by leave_type

)

select *
from all_values
where value_field not in (
    'annual','sick','parental','unpaid','bereavement','other'
)



  
  
      
    ) dbt_internal_test