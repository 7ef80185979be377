// ParamName: names each instance of a parameterized test after its
// parameter's `name` field:
//   INSTANTIATE_TEST_SUITE_P(Dhcp, DecodeTest, ::testing::ValuesIn(Cases()),
//                            ParamName());
#ifndef HOSTNIC_TESTS_FAKES_PARAM_NAME_H_
#define HOSTNIC_TESTS_FAKES_PARAM_NAME_H_

#include <gtest/gtest.h>

#include <string>

namespace hostnic {

struct ParamName {
  template <typename Param>
  std::string operator()(const ::testing::TestParamInfo<Param>& info) const {
    return std::string(info.param.name);
  }
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_PARAM_NAME_H_
